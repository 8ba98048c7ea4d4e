/** The part of ml-cart 2.x this project uses (the package ships no types). */
declare module 'ml-cart' {
  export interface CartNodeJSON {
    splitValue?: number;
    splitColumn?: number;
    left?: CartNodeJSON;
    right?: CartNodeJSON;
    /** at a leaf: a 1 x classes matrix of class shares (an ml-matrix Matrix, or its JSON) */
    distribution?: { to2DArray?: () => number[][] } | number[][];
  }
  export interface DecisionTreeClassifierOptions {
    gainFunction?: 'gini';
    splitFunction?: 'mean';
    minNumSamples?: number;
    maxDepth?: number;
    gainThreshold?: number;
  }
  export class DecisionTreeClassifier {
    constructor(options?: DecisionTreeClassifierOptions);
    root: CartNodeJSON;
    train(trainingSet: number[][], trainingLabels: number[]): void;
    predict(toPredict: number[][]): number[];
    toJSON(): { options: DecisionTreeClassifierOptions; root: CartNodeJSON; name: 'DTClassifier' };
  }
}
